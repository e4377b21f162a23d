// Wire format of one element of `data` in POST /{pixel_id}/events (meta-capi-reference.md §2–§4).
// Absent values are absent keys: Meta treats "" or [] as a (bad) value, never as "unknown".

/** Customer information. Every key except the browser signals holds a lowercase SHA-256 hex of the normalised value. */
export interface CapiUserData {
  em?: string;
  ph?: string;
  fn?: string;
  ln?: string;
  ct?: string;
  st?: string;
  zp?: string;
  country?: string;
  external_id?: string;
  /** Never hashed. */
  client_ip_address?: string;
  /** Never hashed. */
  client_user_agent?: string;
  /** Never hashed; `_fbp` cookie value as set by the pixel. */
  fbp?: string;
  /** Never hashed; `_fbc` cookie value, byte-identical (the fbclid is case-sensitive). */
  fbc?: string;
}

export interface CapiContent {
  id: string;
  quantity: number;
  item_price?: number;
}

export interface CapiCustomData {
  value: number;
  /** ISO 4217, upper case. */
  currency: string;
  /** In the form of the shop's catalog (catalog-ids.ts); the three content keys are left out when no line has an ID. */
  content_ids?: string[];
  contents?: CapiContent[];
  /** "product_group" when content_ids are product IDs (catalog item groups), else "product". */
  content_type?: "product" | "product_group";
  /** InitiateCheckout only (Meta's parameter reference); never on a Purchase. */
  num_items?: number;
  order_id: string;
}

export interface CapiServerEvent {
  event_name: string;
  /** Unix time in seconds, never in the future, at most 7 days old when sent. */
  event_time: number;
  event_id: string;
  /** Meta's list is longer; these are the ones this app sends (order-channel.ts decides for orders). */
  action_source: "website" | "physical_store" | "system_generated";
  /** Required when action_source is website. */
  event_source_url?: string;
  user_data: CapiUserData;
  custom_data?: CapiCustomData;
  /** `["LDU"]` for Limited Data Use; omit to not apply it. */
  data_processing_options?: string[];
  data_processing_options_country?: number;
  data_processing_options_state?: number;
  opt_out?: boolean;
  referrer_url?: string;
}

export interface CapiPurchaseEvent extends CapiServerEvent {
  event_name: "Purchase";
  custom_data: CapiCustomData;
}
