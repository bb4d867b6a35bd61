/** Who may talk to the bot: access policies, pairing, groups, rate limits, per-account profiles. */
export {
  type AccessPolicy,
  type AccessPolicyOptions,
  type AccessRequest,
  type AccessVerdict,
  type AllowedBy,
  createAccessPolicy,
  type PairingRequestEvent,
  type RefusalCode,
} from "./access.js";
export { isPolicyError, PolicyError, type PolicyErrorCode } from "./errors.js";
export { type Addressing, type AddressOptions, detectAddress } from "./mention.js";
export {
  type AccessState,
  approvePairing,
  type ContactAccess,
  contactAccess,
  denyPairing,
  listPairingRequests,
  normalizePairingCode,
  PAIRING_ALPHABET,
  PAIRING_CODE_LENGTH,
  PAIRING_TTL_MS,
  type PairingDecisionOptions,
  type PairingRequest,
  pairingRequestsIn,
  readAccess,
  setContactAccess,
} from "./pairing.js";
export {
  AGENT_KINDS,
  type AgentKind,
  DM_POLICIES,
  type DmPolicy,
  GROUP_POLICIES,
  type GroupPolicy,
  PROFILE_DEFAULTS,
  type Profile,
  type ProfileOverrides,
  type ProfilesConfig,
  profileResolver,
  profileSchema,
  profilesConfigSchema,
  profilesConfigShape,
  type RateRule,
  type ResolvedProfile,
  rateRuleSchema,
  resolveProfile,
} from "./profile.js";
export { NoticeGate, type RateResult, SlidingWindowLimiter } from "./rate-limit.js";
