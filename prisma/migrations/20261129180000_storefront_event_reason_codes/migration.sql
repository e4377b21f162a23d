-- Storefront event reasons as codes (app/lib/delivery-reasons.ts), as for Delivery (20261129120000_delivery_reason_codes).
ALTER TABLE "StorefrontEvent" ADD COLUMN "reasonCode" TEXT;
ALTER TABLE "StorefrontEvent" ADD COLUMN "failureKind" TEXT;

-- Existing rows: the words the sender and the uninstall handler wrote into lastError become codes, and
-- lastError keeps only what Meta said. The strings are exactly the ones the code wrote before this
-- migration (storefront-sender.server.ts, privacy.server.ts). A pending or failed row with any other text
-- holds the message of Meta: only a retry (transient) and a rejected event (invalid_payload) wrote one there.
UPDATE "StorefrontEvent" SET
  "reasonCode" = CASE
    WHEN "lastError" = 'Held: the shop''s Meta connection is not active' THEN 'held_not_connected'
    WHEN "lastError" = 'Held: The stored access token could not be decrypted with TOKEN_ENCRYPTION_KEY' THEN 'held_token_unreadable'
    WHEN "lastError" LIKE 'Held: %' THEN 'held_meta_refused'
    WHEN "lastError" = 'Meta refused a replaced access token; retrying with the current one' THEN 'token_replaced'
    WHEN "lastError" = 'App uninstalled' THEN 'uninstalled'
    WHEN "lastError" = 'Older than 7 days: Meta no longer accepts it' THEN 'too_old'
    WHEN "lastError" = 'Stored payload holds no event to send' THEN 'no_event'
    WHEN "status" = 'pending' THEN 'meta_unavailable'
    WHEN "status" = 'failed' THEN 'meta_rejected'
  END
WHERE "lastError" IS NOT NULL;

UPDATE "StorefrontEvent" SET "failureKind" = CASE "reasonCode"
    WHEN 'meta_unavailable' THEN 'transient'
    WHEN 'meta_rejected' THEN 'invalid_payload'
  END
WHERE "reasonCode" IN ('meta_unavailable', 'meta_rejected');

-- "Held: <the message of Meta>" keeps that message, and every other text was written by the app and goes.
UPDATE "StorefrontEvent" SET "lastError" = CASE
    WHEN "reasonCode" = 'held_meta_refused' THEN SUBSTR("lastError", 7)
    ELSE NULL
  END
WHERE "reasonCode" IN ('held_not_connected', 'held_token_unreadable', 'held_meta_refused', 'token_replaced', 'uninstalled', 'too_old', 'no_event');
