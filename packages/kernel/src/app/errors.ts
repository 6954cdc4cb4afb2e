import { defineError } from '../errors/index.js'

export const AppNoMachineId = defineError<[string]>(
  'APP_NO_MACHINE_ID',
  '%s has no machine id: set app.machineId (single node) or let the center lease one',
)
export const AppNotClustered = defineError<[string]>(
  'APP_NOT_CLUSTERED',
  '%s is not in a cluster: set cluster.center and cluster.secret to message other services',
)
