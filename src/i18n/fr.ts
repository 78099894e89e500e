/** French, the default language. Every string the product shows lives in a catalogue. */
export const fr = {
  'lang.name': 'Français',
  'lang.switch': 'Langue',
  'site.name': 'Plug & Earn',
  'site.skip': 'Aller au contenu',
  'nav.label': 'Navigation principale',
  'nav.partners': 'Partners',
  'nav.leaderboard': 'Leaderboard',
  'nav.earnings': 'Earnings',
  'nav.portal': 'Gérer mes comptes',
  'nav.admin': 'Back-office',
  'nav.signedInAs': 'Connecté : {email}',
  'nav.signIn': 'Se connecter',
  'nav.signOut': 'Se déconnecter',
  'footer.faq': 'FAQ',
  'footer.tagline': 'Programme partenaires auto-hébergé.',

  'landing.title': 'Plug & Earn — Deviens partenaire',
  'landing.pitch.start': 'Connecte tes comptes. Valide nos posts. Gagne',
  'landing.pitch.rate': "jusqu'à {rate}/clic",
  'landing.point.noContent': 'Zéro création de contenu',
  'landing.point.caps': 'Cap anti-spam & contrôle manuel',
  'landing.point.payment': 'Paiement dès {min} — {methods}',
  'landing.form.title': 'Recevoir mon lien d’accès',
  'landing.form.email': 'Ton adresse email',
  'landing.form.placeholder': 'ton@email',
  'landing.form.help': 'Pas de mot de passe : on t’envoie un lien de connexion valable 15 minutes.',
  'landing.form.submit': 'Recevoir le lien d’accès',
  'landing.how.title': 'Comment ça marche',
  'landing.how.1': 'Tu reçois tes liens personnels et des posts prêts à publier (avec la mention #ad).',
  'landing.how.2': 'Tu les partages à ton audience.',
  'landing.how.3': 'Chaque clic valide te rapporte, et tu retires tes gains dès {min}.',
  'landing.links.leaderboard': 'Voir le leaderboard',
  'landing.links.faq': 'FAQ',

  'method.paypal': 'PayPal',
  'method.bank': 'virement bancaire',

  'faq.title': 'FAQ Partenaires',
  'faq.q.earn': 'Comment je gagne de l’argent ?',
  'faq.a.earn':
    'Tu gagnes au clic sur nos liens (#ad) : chaque clic valide te rapporte le tarif de la campagne au moment du clic. Tout est visible dans ton tableau de bord.',
  'faq.q.control': 'Contrôle de ce qui est posté ?',
  'faq.a.control':
    'Par défaut, rien n’est publié sans toi : tu choisis les posts et tu les partages toi-même. La publication automatique, avec un plafond par jour, viendra plus tard.',
  'faq.q.safety': 'Ban / sécurité ?',
  'faq.a.safety':
    'Anti-spam intégré : plafond de clics payés par jour, clics en double et robots non comptés, contrôle manuel des retraits. Respecte les règles de chaque plateforme.',
  'faq.q.valid': 'Qu’est-ce qu’un clic valide ?',
  'faq.a.valid':
    'Un clic d’une vraie personne, pas d’un robot ni d’un aperçu de lien, pas un deuxième clic de la même personne dans les {hours} h, pas ton propre clic, et dans la limite de {cap} clics payés par jour.',
  'faq.q.payment': 'Paiement',
  'faq.a.payment': 'Seuil : {min}. Méthodes : {methods}. Demande ton retrait depuis la page',
  'faq.a.payment.link': 'Earnings',
  'faq.back': '← Retour',

  'magic.sent.title': 'Vérifie ta boîte mail',
  'magic.sent.body':
    'Si l’adresse {email} est valide, un lien de connexion vient d’y être envoyé. Il est valable 15 minutes et ne sert qu’une fois.',
  'magic.sent.again': 'Rien reçu ? Vérifie tes spams, ou demande un nouveau lien.',
  'magic.error.email': 'Indique une adresse email valide (254 caractères au plus).',
  'magic.error.send': 'L’email n’a pas pu partir. Réessaie dans un instant.',

  'login.confirm.title': 'Confirmer la connexion',
  'login.confirm.body': 'Clique sur le bouton pour te connecter à Plug & Earn.',
  'login.confirm.submit': 'Me connecter',
  'login.invalid.title': 'Lien expiré ou déjà utilisé',
  'login.invalid.body':
    'Ce lien de connexion n’est plus valable : il a expiré (15 minutes) ou a déjà servi. Demande un nouveau lien ci-dessous.',
  'login.malformed.title': 'Lien de connexion incomplet',
  'login.malformed.body': 'Ce lien est incomplet. Copie le lien entier depuis l’email, ou demande un nouveau lien.',
  'login.suspended': 'Ce compte est suspendu. Contacte l’équipe Plug & Earn.',

  'logout.done': 'Tu es déconnecté.',

  'portal.title': 'Gérer mes comptes',
  'portal.welcome': 'Bienvenue, {email}.',
  'portal.role.admin': 'Tu as le rôle opérateur.',
  'portal.pending':
    'Les campagnes, tes liens personnels et les posts prêts à publier arrivent dans la prochaine version de Plug & Earn. Cette page est un espace réservé en attendant.',

  'earnings.title': 'Mes gains',
  'earnings.account': 'Compte : {email}',
  'earnings.pending':
    'Le détail de tes gains (clics, EPC, solde disponible) et le formulaire de retrait arrivent dans la prochaine version de Plug & Earn. Cette page est un espace réservé en attendant.',

  'leaderboard.title': 'Leaderboard ({days} j)',
  'leaderboard.pending':
    'Le classement des partenaires arrive dans la prochaine version de Plug & Earn. Cette page est un espace réservé en attendant.',
  'leaderboard.error.days': 'Le paramètre « days » doit être un nombre entier de 1 à 90.',

  'admin.title': 'Back-office',
  'admin.pending':
    'Les campagnes, les partenaires, les retraits et le journal d’audit arrivent dans les prochaines versions. Cette page est un espace réservé en attendant.',

  'error.401.title': 'Connexion requise',
  'error.401.body': 'Cette page est réservée aux partenaires connectés.',
  'error.401.link': 'Recevoir un lien de connexion',
  'error.403.title': 'Accès refusé',
  'error.403.body': 'Tu n’as pas accès à cette page.',
  'error.csrf.title': 'Formulaire expiré',
  'error.csrf.body':
    'Ce formulaire a expiré ou ne vient pas de Plug & Earn. Recharge la page et réessaie : rien n’a été modifié.',
  'error.404.title': 'Page introuvable',
  'error.404.body': 'Cette page n’existe pas.',
  'error.429.title': 'Trop de demandes',
  'error.429.body': 'Tu as fait trop de demandes en peu de temps. Réessaie dans {minutes} min.',
  'error.400.title': 'Requête invalide',
  'error.400.body': 'La requête contient une valeur invalide. Vérifie le formulaire ou le lien et réessaie.',
  'error.413.title': 'Requête trop volumineuse',
  'error.413.body': 'Les données envoyées sont trop volumineuses.',
  'error.500.title': 'Erreur du serveur',
  'error.500.body': 'Une erreur inattendue s’est produite. Réessaie plus tard.',
  'error.home': 'Retour à l’accueil',

  'mail.signin.subject': 'Ton lien de connexion Plug & Earn',
  'mail.signin.hello': 'Bonjour,',
  'mail.signin.body': 'Voici ton lien pour te connecter à Plug & Earn. Il est valable 15 minutes et ne sert qu’une fois :',
  'mail.signin.button': 'Me connecter',
  'mail.signin.ignore': 'Si tu n’as rien demandé, ignore cet email : personne ne peut se connecter sans ce lien.',
} as const;

export type MessageKey = keyof typeof fr;
