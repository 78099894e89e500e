import type { MessageKey } from './fr.js';

export const en: Record<MessageKey, string> = {
  'lang.name': 'English',
  'lang.switch': 'Language',
  'site.name': 'Plug & Earn',
  'site.skip': 'Skip to content',
  'nav.label': 'Main navigation',
  'nav.partners': 'Partners',
  'nav.leaderboard': 'Leaderboard',
  'nav.earnings': 'Earnings',
  'nav.portal': 'Manage my accounts',
  'nav.admin': 'Back-office',
  'nav.signedInAs': 'Signed in: {email}',
  'nav.signIn': 'Sign in',
  'nav.signOut': 'Sign out',
  'footer.faq': 'FAQ',
  'footer.tagline': 'Self-hosted partner programme.',

  'landing.title': 'Plug & Earn — Become a partner',
  'landing.pitch.start': 'Connect your accounts. Approve our posts. Earn',
  'landing.pitch.rate': 'up to {rate} per click',
  'landing.point.noContent': 'No content to create',
  'landing.point.caps': 'Anti-spam caps & manual review',
  'landing.point.payment': 'Paid from {min} — {methods}',
  'landing.form.title': 'Get my sign-in link',
  'landing.form.email': 'Your email address',
  'landing.form.placeholder': 'you@email',
  'landing.form.help': 'No password: we email you a sign-in link valid for 15 minutes.',
  'landing.form.submit': 'Send me the link',
  'landing.how.title': 'How it works',
  'landing.how.1': 'You get personal links and ready-made posts (with the #ad disclosure).',
  'landing.how.2': 'You share them with your audience.',
  'landing.how.3': 'Every valid click earns you money, and you withdraw from {min}.',
  'landing.links.leaderboard': 'See the leaderboard',
  'landing.links.faq': 'FAQ',

  'method.paypal': 'PayPal',
  'method.bank': 'bank transfer',

  'faq.title': 'Partner FAQ',
  'faq.q.earn': 'How do I earn money?',
  'faq.a.earn':
    'You earn per click on our links (#ad): every valid click pays the campaign’s rate at the moment of the click. Everything shows on your dashboard.',
  'faq.q.control': 'Do I control what is posted?',
  'faq.a.control':
    'By default nothing is published without you: you pick the posts and share them yourself. Automatic publishing, with a daily cap, comes later.',
  'faq.q.safety': 'Bans / safety?',
  'faq.a.safety':
    'Built-in anti-spam: a daily cap of paid clicks, duplicate and bot clicks not counted, manual review of withdrawals. Follow each platform’s rules.',
  'faq.q.valid': 'What is a valid click?',
  'faq.a.valid':
    'A click by a real person, not a bot or a link preview, not the same person again within {hours} h, not your own click, and within {cap} paid clicks a day.',
  'faq.q.payment': 'Payment',
  'faq.a.payment': 'Threshold: {min}. Methods: {methods}. Ask for a withdrawal from the page',
  'faq.a.payment.link': 'Earnings',
  'faq.back': '← Back',

  'magic.sent.title': 'Check your inbox',
  'magic.sent.body':
    'If {email} is a valid address, a sign-in link has just been sent to it. It is valid for 15 minutes and works once.',
  'magic.sent.again': 'Nothing arrived? Check your spam folder, or ask for a new link.',
  'magic.error.email': 'Enter a valid email address (254 characters at most).',
  'magic.error.send': 'The email could not be sent. Please try again in a moment.',

  'login.confirm.title': 'Confirm sign-in',
  'login.confirm.body': 'Press the button to sign in to Plug & Earn.',
  'login.confirm.submit': 'Sign me in',
  'login.invalid.title': 'Link expired or already used',
  'login.invalid.body':
    'This sign-in link is no longer valid: it expired (15 minutes) or was already used. Ask for a new link below.',
  'login.malformed.title': 'Incomplete sign-in link',
  'login.malformed.body': 'This link is incomplete. Copy the whole link from the email, or ask for a new one.',
  'login.suspended': 'This account is suspended. Contact the Plug & Earn team.',

  'logout.done': 'You are signed out.',

  'portal.title': 'Manage my accounts',
  'portal.welcome': 'Welcome, {email}.',
  'portal.role.admin': 'You have the operator role.',
  'portal.pending':
    'Campaigns, your personal links and ready-made posts arrive in the next version of Plug & Earn. This page is a placeholder until then.',

  'earnings.title': 'My earnings',
  'earnings.account': 'Account: {email}',
  'earnings.pending':
    'The detail of your earnings (clicks, EPC, available balance) and the withdrawal form arrive in the next version of Plug & Earn. This page is a placeholder until then.',

  'leaderboard.title': 'Leaderboard ({days} d)',
  'leaderboard.pending':
    'The partner ranking arrives in the next version of Plug & Earn. This page is a placeholder until then.',
  'leaderboard.error.days': 'The “days” parameter must be a whole number from 1 to 90.',

  'admin.title': 'Back-office',
  'admin.pending':
    'Campaigns, partners, withdrawals and the audit log arrive in the next versions. This page is a placeholder until then.',

  'error.401.title': 'Sign-in required',
  'error.401.body': 'This page is for signed-in partners.',
  'error.401.link': 'Get a sign-in link',
  'error.403.title': 'Access denied',
  'error.403.body': 'You do not have access to this page.',
  'error.csrf.title': 'Form expired',
  'error.csrf.body':
    'This form expired or did not come from Plug & Earn. Reload the page and try again: nothing was changed.',
  'error.404.title': 'Page not found',
  'error.404.body': 'This page does not exist.',
  'error.429.title': 'Too many requests',
  'error.429.body': 'You made too many requests in a short time. Try again in {minutes} min.',
  'error.400.title': 'Invalid request',
  'error.400.body': 'The request holds an invalid value. Check the form or the link and try again.',
  'error.413.title': 'Request too large',
  'error.413.body': 'The data sent is too large.',
  'error.500.title': 'Server error',
  'error.500.body': 'Something unexpected went wrong. Please try again later.',
  'error.home': 'Back to the home page',

  'mail.signin.subject': 'Your Plug & Earn sign-in link',
  'mail.signin.hello': 'Hello,',
  'mail.signin.body': 'Here is your link to sign in to Plug & Earn. It is valid for 15 minutes and works once:',
  'mail.signin.button': 'Sign me in',
  'mail.signin.ignore': 'If you did not ask for it, ignore this email: nobody can sign in without this link.',
};
