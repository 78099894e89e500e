/** English messages of the operator's side of the autopilot (issue 16): pauses, figures per post and text, the autopilot's earnings. */
export const operatorAutopilotEn = {
  // Which text earns (a campaign's “Posts” section).
  'opAuto.template.autopilot': 'Autopilot',
  'opAuto.template.autopilotCount': '{n} of {published} published',
  'opAuto.template.autopilotNone': 'nothing published yet',
  'opAuto.texts.ranked': 'Texts, best earning first',
  'opAuto.figure.publications': 'Publications',
  'opAuto.figure.published': 'Published',
  'opAuto.figure.autopilot': 'By the autopilot',
  'opAuto.figure.clicks': 'Clicks',
  'opAuto.figure.valid': 'Valid clicks',
  'opAuto.figure.earned': 'Earnings',
  'opAuto.best': 'The text that earns most: “{text}”, {euros} for {valid} valid {valid, plural, one {click} other {clicks}}.',
  'opAuto.best.see': 'See the post of {date}',
  // The partner's earnings page: what the autopilot brought.
  'opAuto.earnings.title': 'What the autopilot earned you',
  'opAuto.earnings.period': 'Last {days} days',
  'opAuto.earnings.publications': 'Publications out',
  'opAuto.earnings.valid': 'Valid clicks',
  'opAuto.earnings.earned': 'Earnings',
  'opAuto.earnings.none': 'Nothing yet: the autopilot publishes our campaigns’ posts for you, at your hours and within your limits, and tells you before each one.',
  'opAuto.earnings.howTo': 'Turn it on for an account in “Connected accounts”.',
  'opAuto.earnings.help': 'The clicks and earnings of its publications’ links, on the day the clicks were made (UTC days, as above).',
  'opAuto.earnings.settings': 'Adjust the autopilot in “Connected accounts”.',
} as const;
