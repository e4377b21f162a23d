-- DropIndex
DROP INDEX "Delivery_status_nextAttemptAt_idx";

-- DropIndex
DROP INDEX "StorefrontEvent_status_nextAttemptAt_idx";

-- CreateIndex
CREATE INDEX "Delivery_status_nextAttemptAt_id_idx" ON "Delivery"("status", "nextAttemptAt", "id");

-- CreateIndex
CREATE INDEX "StorefrontEvent_status_nextAttemptAt_id_idx" ON "StorefrontEvent"("status", "nextAttemptAt", "id");

