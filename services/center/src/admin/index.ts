export { CenterAdmin, centerAdmin } from './center-admin.js'
