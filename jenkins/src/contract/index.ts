export {
  compareFields,
  type FieldDrift,
  type FieldSpec,
  type FieldTable,
  type FieldViolation,
  fieldTable,
  wireCompatible,
} from './field-contract.js'
export {
  type ContractDrift,
  type ContractReport,
  type ContractViolation,
  type CurrentContract,
  compareContract,
  compareMessageIds,
  contractPaths,
  currentContract,
  describeReport,
  emptySnapshot,
  type ProtoContract,
  recordDrift,
} from './proto-contract.js'
