/**
 * The faithful local simulator of the iLink Bot API and its CDN. See README.md in this folder.
 */
export {
  createSimulator,
  DEFAULT_PUBLIC_BASE_URL,
  type SimFetch,
  type Simulator,
  type SimulatorOptions,
} from "./app.js";
export type { SimConfig, ThrottleConfig } from "./config.js";
export { FAULT_ENDPOINTS, type FaultEndpoint, type FaultRule } from "./faults.js";
export type { InboundInput, MediaInput } from "./inbound.js";
export { type RunningSimulator, type StartSimulatorOptions, startSimulator } from "./server.js";
export type { ItemDescription, SimEvent, SimState } from "./state.js";
