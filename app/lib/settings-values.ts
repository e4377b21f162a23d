// The values a shop's settings can take: the one list, imported by the model, the settings form and the
// page's browser bundle.
export const META_EVENTS = ["PageView", "ViewContent", "AddToCart", "InitiateCheckout", "AddPaymentInfo", "Purchase"] as const;
export type MetaEventName = (typeof META_EVENTS)[number];
export const CONSENT_MODES = ["customer-privacy", "strict"] as const;
export type ConsentMode = (typeof CONSENT_MODES)[number];
