// The local storefront lives in dev/storefront (the demo serves it too); tests import it from here.
export * from "../../dev/storefront/storefront";
