import { Application } from '@tessera/kernel'
import { centerApp } from './center-app.js'

await Application.main(centerApp)
