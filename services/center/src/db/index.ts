export { CenterDatabase, type CenterDatabaseOptions, type RetryTest, type Tx } from './center-database.js'
export { DatabaseComponent, databaseComponent } from './database-component.js'
