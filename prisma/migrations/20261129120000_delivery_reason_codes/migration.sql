-- Delivery reasons as codes (app/lib/delivery-reasons.ts) instead of words read back with patterns.
ALTER TABLE "Delivery" ADD COLUMN "reasonCode" TEXT;
ALTER TABLE "Delivery" ADD COLUMN "reasonDetail" TEXT;
ALTER TABLE "Delivery" ADD COLUMN "failureKind" TEXT;

-- Existing rows: the reason each one was given in words becomes its code. The strings are exactly the ones
-- the code wrote before this migration (orders-paid, the worker, the queue, the privacy handlers).
UPDATE "Delivery" SET
  "reasonCode" = CASE
    WHEN "statusReason" LIKE 'The order could not be turned into a Purchase: %' THEN 'mapping_failed'
    WHEN "statusReason" = 'The shop has not connected a Meta pixel' THEN 'shop_not_connected'
    WHEN "statusReason" = 'No Meta pixel is connected' THEN 'no_pixel'
    WHEN "statusReason" = 'The shopper declined marketing tracking' THEN 'consent_declined'
    WHEN "statusReason" = 'The Purchase event is switched off in settings' THEN 'event_disabled'
    WHEN "statusReason" = 'Test order: not sent to Meta' THEN 'test_order'
    WHEN "statusReason" IN ('Paid more than 7 days ago: Meta no longer accepts it', 'Older than 7 days: Meta no longer accepts it') THEN 'too_old'
    WHEN "statusReason" = 'Meta was unavailable; retrying' THEN 'meta_unavailable'
    WHEN "statusReason" = 'Meta rejected the event' AND "errorCode" IS NULL AND "lastError" = 'Stored payload holds no event to send' THEN 'no_event'
    WHEN "statusReason" = 'Meta rejected the event' THEN 'meta_rejected'
    WHEN "statusReason" = 'Held: the shop''s Meta connection is not active' THEN 'held_not_connected'
    WHEN "statusReason" = 'Held: The stored access token could not be decrypted with TOKEN_ENCRYPTION_KEY' THEN 'held_token_unreadable'
    WHEN "statusReason" LIKE 'Held: %' THEN 'held_meta_refused'
    WHEN "statusReason" = 'Meta refused a replaced access token; retrying with the current one' THEN 'token_replaced'
    WHEN "statusReason" = 'Retry requested' THEN 'retry_requested'
    WHEN "statusReason" = 'App uninstalled: not sent to Meta' THEN 'uninstalled'
    WHEN "statusReason" = 'Customer data redacted' THEN 'customer_redacted'
  END,
  "reasonDetail" = CASE
    WHEN "statusReason" LIKE 'The order could not be turned into a Purchase: %' THEN SUBSTR("statusReason", 48)
  END,
  "failureKind" = CASE
    WHEN "statusReason" = 'Meta was unavailable; retrying' THEN 'transient'
    WHEN "statusReason" = 'Meta rejected the event' AND "errorCode" IS NOT NULL THEN 'invalid_payload'
  END
WHERE "statusReason" IS NOT NULL;

-- Wording no version wrote is kept to be shown, never read.
UPDATE "Delivery" SET "reasonDetail" = "statusReason" WHERE "reasonCode" IS NULL AND "statusReason" IS NOT NULL;

-- lastError holds only what Meta said, and this text came from the app.
UPDATE "Delivery" SET "lastError" = NULL WHERE "reasonCode" = 'no_event';

ALTER TABLE "Delivery" DROP COLUMN "statusReason";
