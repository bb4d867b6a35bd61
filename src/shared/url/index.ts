export { bareAddress, embeddedIPv4, hextets, isBlockedAddress } from "./address.js";
export {
  type FetchTransport,
  type PolicyFetchOptions,
  type PolicyResponse,
  pinnedLookup,
  policyFetch,
  policyTransport,
} from "./fetch.js";
export {
  createUrlPolicy,
  originOfUrl,
  parseAllowAddresses,
  type ResolvedUrlPolicy,
  type Resolver,
  systemResolver,
  type UrlPolicyOptions,
  UrlRefusedError,
  type VettedHop,
} from "./policy.js";
