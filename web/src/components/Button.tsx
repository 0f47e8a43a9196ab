import { Button as AriaButton, type ButtonProps as AriaButtonProps } from 'react-aria-components'
import styles from './Button.module.css'

interface ButtonProps extends AriaButtonProps {
  variant?: 'primary' | 'secondary'
}

export function Button({ variant = 'primary', className, ...props }: ButtonProps) {
  return <AriaButton {...props} className={`${styles.button} ${styles[variant]}${typeof className === 'string' ? ` ${className}` : ''}`} />
}
