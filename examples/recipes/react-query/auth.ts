// The recipes use the client of the quickstart.
export { auth } from '../quickstart/auth'
