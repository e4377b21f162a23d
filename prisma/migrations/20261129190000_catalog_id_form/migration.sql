-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN "catalogIdForm" TEXT NOT NULL DEFAULT 'product_group';
ALTER TABLE "ShopSettings" ADD COLUMN "catalogCountry" TEXT;
