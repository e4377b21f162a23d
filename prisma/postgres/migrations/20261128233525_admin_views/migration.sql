-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN     "connectionVerifiedAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "Delivery_shop_status_createdAt_idx" ON "Delivery"("shop", "status", "createdAt");

