export { runTimer, type TimerState } from './run-timer.js'
export { runUnit, stateFile, type UnitState } from './run-unit.js'
export { type ServiceManager, Supervisor, Systemd, type UnitStatus } from './service-manager.js'
export {
  parseUnitFile,
  readEnvFile,
  splitCommand,
  type UnitFile,
  unitEnvironment,
  unitValue,
} from './unit-file.js'
