/** The HMAC secret the attack server and its probe share. */
export const ATTACK_SECRET = 'tessera-attack-secret-0123456789abcdef'
