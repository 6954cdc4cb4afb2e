// Public surface of @tessera/ps: the Tessera processes of this machine, for
// deploy status and the admin page.
export * from './errors.js'
export { formatTable, formatUptime } from './format-table.js'
export { identifyProcess, type ProcessFacts, type ProcessIdentity } from './identify-process.js'
export { type ListOptions, listTesseraProcesses, type TesseraProcess } from './list-processes.js'
export { decodeAddress, listeningPorts } from './listening-ports.js'
