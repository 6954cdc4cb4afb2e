export { CenterLink, centerLink } from './center-link.js'
