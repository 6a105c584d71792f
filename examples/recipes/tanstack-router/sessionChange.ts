// The recipes share the session watcher of the React Router recipe.
export { onSessionChange } from '../react-router/data/sessionChange'
