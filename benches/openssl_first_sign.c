/*
 * What OpenSSL's first RSA-2048 private-key operation with a freshly decoded key costs, against
 * the second one with the same key; the floor under `issue/with-ca-load/openssl` (see
 * benches/README.md, "2026-12-07, night").
 *
 *   openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -outform DER -out /tmp/k.der
 *   openssl rsa -inform DER -in /tmp/k.der -outform DER -traditional -out /tmp/rsa.der
 *   gcc -O2 benches/openssl_first_sign.c -o /tmp/first_sign -lcrypto -Wno-deprecated-declarations
 *   /tmp/first_sign /tmp/rsa.der
 *
 * Prints the mean over 200 keys of: PKCS#1 decode, first and second EVP SHA-256 signature, and
 * the same through the legacy RSA_sign, also with blinding off (to show what the first
 * operation's extra cost is: setting up the blinding, a constant-time modular inverse).
 */
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void evp_sign(EVP_PKEY *key) {
    unsigned char sig[512];
    size_t len = sizeof sig;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key);
    EVP_DigestSign(ctx, sig, &len, (const unsigned char *)"hello", 5);
    EVP_MD_CTX_free(ctx);
}

static void legacy_sign(RSA *rsa) {
    unsigned char sig[512], digest[32] = {0};
    unsigned int len;
    RSA_sign(NID_sha256, digest, sizeof digest, sig, &len, rsa);
}

int main(int argc, char **argv) {
    static unsigned char der[8192];
    FILE *f = fopen(argc > 1 ? argv[1] : "rsa.der", "rb");
    if (!f) { perror("key"); return 1; }
    long len = (long)fread(der, 1, sizeof der, f);
    fclose(f);
    enum { N = 200 };
    double t, decode = 0, first = 0, second = 0, lfirst = 0, lsecond = 0, noblind = 0;
    for (int i = 0; i < N; i++) {
        const unsigned char *p = der;
        t = now();
        RSA *rsa = d2i_RSAPrivateKey(NULL, &p, len);
        decode += now() - t;
        if (!rsa) { fprintf(stderr, "not a PKCS#1 RSA key\n"); return 1; }
        EVP_PKEY *key = EVP_PKEY_new();
        EVP_PKEY_assign_RSA(key, rsa);
        t = now(); evp_sign(key); first += now() - t;
        t = now(); evp_sign(key); second += now() - t;
        EVP_PKEY_free(key);
    }
    for (int i = 0; i < N; i++) {
        const unsigned char *p = der;
        RSA *rsa = d2i_RSAPrivateKey(NULL, &p, len);
        t = now(); legacy_sign(rsa); lfirst += now() - t;
        t = now(); legacy_sign(rsa); lsecond += now() - t;
        RSA_free(rsa);
    }
    for (int i = 0; i < N; i++) {
        const unsigned char *p = der;
        RSA *rsa = d2i_RSAPrivateKey(NULL, &p, len);
        RSA_blinding_off(rsa);
        RSA_set_flags(rsa, RSA_FLAG_NO_BLINDING);
        t = now(); legacy_sign(rsa); noblind += now() - t;
        RSA_free(rsa);
    }
    printf("decode %.1f us; EVP sign: first %.1f us, second %.1f us; "
           "RSA_sign: first %.1f us, second %.1f us, first without blinding %.1f us\n",
           decode / N, first / N, second / N, lfirst / N, lsecond / N, noblind / N);
    return 0;
}
