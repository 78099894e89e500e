/** French messages of publishing: connected accounts, publications, the review queue. */
export const publishingFr = {
  'post.error.disclosure': 'Le texte doit commencer par la mention « {prefix} » : elle est obligatoire et ne peut pas être retirée.',
  'post.error.link': 'Le texte doit contenir ton lien entier, {link}, suivi d’une espace ou d’une ponctuation : sans lui, tes clics ne seraient pas comptés.',
  'post.error.tooLong': 'Le texte fait {length} caractères, la limite du réseau est {max}. Raccourcis-le (la mention et le lien comptent).',
  'remote.error.malformed': 'Adresse invalide. Exemple : https://mastodon.social',
  'remote.error.https': 'L’adresse doit commencer par https:// (connexion chiffrée).',
  'remote.error.own': 'Cette adresse est celle de Plug & Earn lui-même.',
  'remote.error.unresolved': 'Le serveur {host} est introuvable. Vérifie l’adresse.',
  'remote.error.private': 'Le serveur {host} est sur un réseau privé ou local : seules les adresses publiques sont acceptées.',
} as const;
