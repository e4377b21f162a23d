-- AlterTable
ALTER TABLE "Delivery" ADD COLUMN "customerKey" TEXT;

-- CreateTable
CREATE TABLE "CustomerDataRequest" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "shop" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "customerKey" TEXT,
    "report" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE INDEX "CustomerDataRequest_shop_customerKey_idx" ON "CustomerDataRequest"("shop", "customerKey");

-- CreateIndex
CREATE INDEX "CustomerDataRequest_createdAt_idx" ON "CustomerDataRequest"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "CustomerDataRequest_shop_requestId_key" ON "CustomerDataRequest"("shop", "requestId");

-- CreateIndex
CREATE INDEX "Delivery_shop_customerKey_idx" ON "Delivery"("shop", "customerKey");

-- CreateIndex
CREATE INDEX "Delivery_createdAt_idx" ON "Delivery"("createdAt");

-- CreateIndex
CREATE INDEX "BrowserEvent_seenAt_idx" ON "BrowserEvent"("seenAt");

-- Backfill: rows recorded before this migration are filed under the external_id hash their payload already
-- carries (customerKey is that same hash), so privacy requests find them by customer too.
UPDATE "Delivery" SET "customerKey" = json_extract("payload", '$.user_data.external_id')
WHERE "customerKey" IS NULL
  AND CASE WHEN json_valid("payload") THEN json_type("payload", '$.user_data.external_id') = 'text' ELSE 0 END;
