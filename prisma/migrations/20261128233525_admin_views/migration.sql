-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN "connectionVerifiedAt" DATETIME;

-- CreateIndex
CREATE INDEX "Delivery_shop_status_createdAt_idx" ON "Delivery"("shop", "status", "createdAt");

