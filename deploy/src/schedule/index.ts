export { type CalendarSpec, nextElapse, parseCalendar } from './calendar.js'
