// Public entry point of the simulator. See docs/simulator.md.

export { startFleet, Fleet, FleetError, DEFAULT_MANUAL_START } from "./fleet";
export type { StartFleetOptions, SimSystemInfo, ScenarioStart, ClockOption } from "./fleet";
export {
  loadSimFleetConfig,
  parseSimFleetConfig,
  parseSimFleetYaml,
  SimConfigError,
  DEFAULT_TRADING_BOT_FLAGS,
} from "./config";
export type { SimFleetConfig, SimFleetConfigInput, SimSystemConfig, TradingBotFlags } from "./config";
export { SimClock } from "./core/clock";
export { Rng } from "./core/rng";
export { FAULT_KINDS } from "./core/http";
export type { FaultKind, FaultOptions, ActiveFault } from "./core/http";
export type { ControlCallRecord } from "./core/control";
export { listScenarios, findScenario, SCENARIOS } from "./scenarios";
export type { ScenarioDescription } from "./scenarios";
export { TradingBot } from "./systems/trading-bot";
export { FuturesBot, FUTURES_LOG_KINDS } from "./systems/futures-bot";
export type { LogRecord } from "./systems/futures-bot";
export { SpotExchange, SYMBOL_MODES } from "./systems/spot-exchange";
export type { SymbolMode } from "./systems/spot-exchange";
