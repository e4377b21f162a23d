import { flatRoutes } from "@remix-run/fs-routes";

// Route tests may sit next to routes; without the ignore they would become URLs.
export default flatRoutes({ ignoredRouteFiles: ["**/.*", "**/*.test.{ts,tsx}"] });
