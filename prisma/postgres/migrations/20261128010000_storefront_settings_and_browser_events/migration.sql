-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN     "consentMode" TEXT NOT NULL DEFAULT 'customer-privacy',
ADD COLUMN     "limitedDataUse" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "storefrontSyncedAt" TIMESTAMP(3),
ADD COLUMN     "webPixelId" TEXT;

-- CreateTable
CREATE TABLE "BrowserEvent" (
    "id" SERIAL NOT NULL,
    "shop" TEXT NOT NULL,
    "eventName" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "seenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BrowserEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "BrowserEvent_shop_seenAt_idx" ON "BrowserEvent"("shop", "seenAt");

-- CreateIndex
CREATE UNIQUE INDEX "BrowserEvent_shop_eventName_eventId_key" ON "BrowserEvent"("shop", "eventName", "eventId");

