//! The app's identity (name, support and privacy links, version), read once per visit.
import { AppInfoDocument, type AppInfoQuery } from "../gql-shell/graphql";
import { useRequest } from "./request";

/** What the app is called before (or without) the API's answer. */
export const DEFAULT_APP_NAME = "Fieldsync";

export type AppInfo = AppInfoQuery["appInfo"];

/** The deployment's app info; `undefined` while loading or when the API is unreachable. */
export function useAppInfo(): AppInfo | undefined {
  return useRequest(AppInfoDocument, { share: true }).data?.appInfo;
}

/** The app's name as merchants see it. */
export function useAppName(): string {
  return useAppInfo()?.appName ?? DEFAULT_APP_NAME;
}
