export { LAST_BOT_MESSAGE, parseScenario, scenarioUsesVoice } from './scenario.js';
export type {
  Scenario,
  ScenarioCommandOption,
  ScenarioStatus,
  ScenarioStep,
  ScenarioUser,
} from './scenario.js';
export { createScenarioUsers, runScenario, syntheticOpusFrame } from './runScenario.js';
export type { ScenarioRunOptions, ScenarioStepResult } from './runScenario.js';
