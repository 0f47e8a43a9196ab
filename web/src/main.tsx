import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { BrowserRouter } from 'react-router'
import { App } from './app/App.tsx'
import './styles/global.css'

const queryClient = new QueryClient({
  defaultOptions: {
    // A 4xx will not change by asking again; the service's own errors say when to retry.
    queries: { retry: (failures, error) => failures < 2 && !('status' in error && typeof error.status === 'number' && error.status < 500) },
  },
})

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root element')
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <App />
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
)
