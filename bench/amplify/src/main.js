// The page a Cognito team builds instead of ours: Amplify UI's Authenticator, opened on its
// forgot-password screen, with its own stylesheet. The pool is never called while the page
// loads (the benchmark measures bytes and Lighthouse only).
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { Amplify } from 'aws-amplify';
import { Authenticator } from '@aws-amplify/ui-react';
import '@aws-amplify/ui-react/styles.css';

Amplify.configure({
  Auth: { Cognito: { userPoolId: 'eu-west-1_bench0000', userPoolClientId: 'bench0000000000000000000000' } },
});

createRoot(document.getElementById('root')).render(
  createElement(Authenticator, { initialState: 'forgotPassword' }),
);
