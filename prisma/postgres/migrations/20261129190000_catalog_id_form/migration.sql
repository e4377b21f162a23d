-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN     "catalogIdForm" TEXT NOT NULL DEFAULT 'product_group',
ADD COLUMN     "catalogCountry" TEXT;
