import { defineError } from '../errors/index.js'

export const AppNoMachineId = defineError<[string]>(
  'APP_NO_MACHINE_ID',
  '%s has no machine id: set app.machineId (single node) or let the center lease one',
)
