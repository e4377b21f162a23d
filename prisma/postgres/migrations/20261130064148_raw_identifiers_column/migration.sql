-- AlterTable
ALTER TABLE "Delivery" ADD COLUMN     "rawIdentifiers" TEXT;

