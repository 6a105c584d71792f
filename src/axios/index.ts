export { attachAxios, type AttachAxiosOptions, type AxiosAuthSource } from './attachAxios'
