/** French messages of the operator's side of the autopilot (issue 16): pauses, figures per post and text, the autopilot's earnings. */
export const operatorAutopilotFr = {
  // Which text earns (a campaign's « Posts » section).
  'opAuto.template.autopilot': 'Autopilote',
  'opAuto.template.autopilotCount': '{n} sur {published} {published, plural, one {publiée} other {publiées}}',
  'opAuto.template.autopilotNone': 'rien de publié pour l’instant',
  'opAuto.texts.ranked': 'Textes, du plus rentable au moins rentable',
  'opAuto.figure.publications': 'Publications',
  'opAuto.figure.published': 'Publiées',
  'opAuto.figure.autopilot': 'Par l’autopilote',
  'opAuto.figure.clicks': 'Clics',
  'opAuto.figure.valid': 'Clics valides',
  'opAuto.figure.earned': 'Gains',
  'opAuto.best': 'Le texte qui rapporte le plus : « {text} », {euros} pour {valid} {valid, plural, one {clic valide} other {clics valides}}.',
  'opAuto.best.see': 'Voir le post du {date}',
  // The partner's earnings page: what the autopilot brought.
  'opAuto.earnings.title': 'Ce que l’autopilote t’a rapporté',
  'opAuto.earnings.period': '{days} derniers jours',
  'opAuto.earnings.publications': 'Publications parties',
  'opAuto.earnings.valid': 'Clics valides',
  'opAuto.earnings.earned': 'Gains',
  'opAuto.earnings.none': 'Rien pour l’instant : l’autopilote publie pour toi les posts de nos campagnes, à tes heures et dans tes limites, et te prévient avant chaque publication.',
  'opAuto.earnings.howTo': 'Active-le pour un compte dans « Comptes connectés ».',
  'opAuto.earnings.help': 'Les clics et les gains des liens de ses publications, le jour où les clics ont été faits (jours UTC, comme plus haut).',
  'opAuto.earnings.settings': 'Régler l’autopilote dans « Comptes connectés ».',
} as const;
