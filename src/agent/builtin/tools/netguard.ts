/** fetch_url's address guard is the shared URL policy (src/shared/url); these names stay for callers. */
export {
  isBlockedAddress,
  type Resolver,
  systemResolver,
  UrlRefusedError as AddressRefusedError,
} from "../../../shared/url/index.js";
