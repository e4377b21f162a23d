-- AlterTable
ALTER TABLE "Delivery" ADD COLUMN     "customerKey" TEXT;

-- CreateTable
CREATE TABLE "CustomerDataRequest" (
    "id" SERIAL NOT NULL,
    "shop" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "customerKey" TEXT,
    "report" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CustomerDataRequest_pkey" PRIMARY KEY ("id")
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
-- carries (customerKey is that same hash), so privacy requests find them by customer too. Matched as text, so
-- a payload that is not valid JSON cannot fail the migration.
UPDATE "Delivery" SET "customerKey" = substring("payload" from '"external_id":"([0-9a-f]{64})"')
WHERE "customerKey" IS NULL AND "payload" LIKE '%"external_id":"%';
