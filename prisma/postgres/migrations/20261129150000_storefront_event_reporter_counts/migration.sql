-- CreateIndex
CREATE INDEX "StorefrontEvent_shop_createdAt_eventName_status_idx" ON "StorefrontEvent"("shop", "createdAt", "eventName", "status");

