// The ledger's raw statuses, shared by the queue, the admin's reads and pure code that must not import a
// .server model for a type.
export const DELIVERY_STATUSES = ["pending", "sending", "sent", "failed", "skipped"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
