/* eslint-disable eslint-comments/disable-enable-pair */
/* eslint-disable eslint-comments/no-unlimited-disable */
/* eslint-disable */
import type * as AdminTypes from './admin.types.js';

export type MetaCapiAppInstallationQueryVariables = AdminTypes.Exact<{ [key: string]: never; }>;


export type MetaCapiAppInstallationQuery = { currentAppInstallation: Pick<AdminTypes.AppInstallation, 'id'>, shop: { primaryDomain: Pick<AdminTypes.Domain, 'url'> } };

export type MetaCapiSetStorefrontMetafieldsMutationVariables = AdminTypes.Exact<{
  metafields: Array<AdminTypes.MetafieldsSetInput> | AdminTypes.MetafieldsSetInput;
}>;


export type MetaCapiSetStorefrontMetafieldsMutation = { metafieldsSet?: AdminTypes.Maybe<{ metafields?: AdminTypes.Maybe<Array<Pick<AdminTypes.Metafield, 'key'>>>, userErrors: Array<Pick<AdminTypes.MetafieldsSetUserError, 'field' | 'message' | 'code'>> }> };

export type MetaCapiCreateWebPixelMutationVariables = AdminTypes.Exact<{
  webPixel: AdminTypes.WebPixelInput;
}>;


export type MetaCapiCreateWebPixelMutation = { webPixelCreate?: AdminTypes.Maybe<{ webPixel?: AdminTypes.Maybe<Pick<AdminTypes.WebPixel, 'id' | 'settings'>>, userErrors: Array<Pick<AdminTypes.ErrorsWebPixelUserError, 'field' | 'message' | 'code'>> }> };

export type MetaCapiUpdateWebPixelMutationVariables = AdminTypes.Exact<{
  id: AdminTypes.Scalars['ID']['input'];
  webPixel: AdminTypes.WebPixelInput;
}>;


export type MetaCapiUpdateWebPixelMutation = { webPixelUpdate?: AdminTypes.Maybe<{ webPixel?: AdminTypes.Maybe<Pick<AdminTypes.WebPixel, 'id' | 'settings'>>, userErrors: Array<Pick<AdminTypes.ErrorsWebPixelUserError, 'field' | 'message' | 'code'>> }> };

export type MetaCapiWebPixelQueryVariables = AdminTypes.Exact<{ [key: string]: never; }>;


export type MetaCapiWebPixelQuery = { webPixel?: AdminTypes.Maybe<Pick<AdminTypes.WebPixel, 'id'>> };

export type MetaCapiMainThemeSettingsQueryVariables = AdminTypes.Exact<{ [key: string]: never; }>;


export type MetaCapiMainThemeSettingsQuery = { themes?: AdminTypes.Maybe<{ nodes: Array<(
      Pick<AdminTypes.OnlineStoreTheme, 'id' | 'name'>
      & { files?: AdminTypes.Maybe<{ nodes: Array<(
          Pick<AdminTypes.OnlineStoreThemeFile, 'filename'>
          & { body: Pick<AdminTypes.OnlineStoreThemeFileBodyBase64, 'contentBase64'> | Pick<AdminTypes.OnlineStoreThemeFileBodyText, 'content'> }
        )> }> }
    )> }> };

interface GeneratedQueryTypes {
  "#graphql\n  query metaCapiAppInstallation {\n    currentAppInstallation { id }\n    shop { primaryDomain { url } }\n  }": {return: MetaCapiAppInstallationQuery, variables: MetaCapiAppInstallationQueryVariables},
  "#graphql\n  query metaCapiWebPixel {\n    webPixel { id }\n  }": {return: MetaCapiWebPixelQuery, variables: MetaCapiWebPixelQueryVariables},
  "#graphql\n  query MetaCapiMainThemeSettings {\n    themes(first: 1, roles: [MAIN]) {\n      nodes {\n        id\n        name\n        files(filenames: [\"config/settings_data.json\"], first: 1) {\n          nodes {\n            filename\n            body {\n              ... on OnlineStoreThemeFileBodyText { content }\n              ... on OnlineStoreThemeFileBodyBase64 { contentBase64 }\n            }\n          }\n        }\n      }\n    }\n  }": {return: MetaCapiMainThemeSettingsQuery, variables: MetaCapiMainThemeSettingsQueryVariables},
}

interface GeneratedMutationTypes {
  "#graphql\n  mutation metaCapiSetStorefrontMetafields($metafields: [MetafieldsSetInput!]!) {\n    metafieldsSet(metafields: $metafields) {\n      metafields { key }\n      userErrors { field message code }\n    }\n  }": {return: MetaCapiSetStorefrontMetafieldsMutation, variables: MetaCapiSetStorefrontMetafieldsMutationVariables},
  "#graphql\n  mutation metaCapiCreateWebPixel($webPixel: WebPixelInput!) {\n    webPixelCreate(webPixel: $webPixel) {\n      webPixel { id settings }\n      userErrors { field message code }\n    }\n  }": {return: MetaCapiCreateWebPixelMutation, variables: MetaCapiCreateWebPixelMutationVariables},
  "#graphql\n  mutation metaCapiUpdateWebPixel($id: ID!, $webPixel: WebPixelInput!) {\n    webPixelUpdate(id: $id, webPixel: $webPixel) {\n      webPixel { id settings }\n      userErrors { field message code }\n    }\n  }": {return: MetaCapiUpdateWebPixelMutation, variables: MetaCapiUpdateWebPixelMutationVariables},
}
declare module '@shopify/admin-api-client' {
  type InputMaybe<T> = AdminTypes.InputMaybe<T>;
  interface AdminQueries extends GeneratedQueryTypes {}
  interface AdminMutations extends GeneratedMutationTypes {}
}
