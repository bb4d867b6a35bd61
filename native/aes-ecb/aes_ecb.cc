// AES-128-ECB on whole 16-byte blocks, without padding, from `src` into a caller-provided `dst`
// (which may be `src` itself). It uses the OpenSSL that the running Node binary exports, so no
// library is linked and nothing is allocated per call: Node's own Cipher allocates (and for ECB
// re-allocates and copies) an output buffer on every update, which is what this avoids.
// PKCS#7 padding and stream state live in TypeScript (src/ilink/crypto.ts), shared with the
// pure-Node fallback, so both paths produce the same bytes and the same errors.
#include <node_api.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include <cstdint>
#include <cstring>

namespace {

constexpr size_t kKeyBytes = 16;
constexpr size_t kBlockBytes = 16;

// One context per Node environment (main thread or worker): re-keyed on every call, which costs
// far less than creating it, and never shared between threads.
struct Instance {
  EVP_CIPHER* cipher = nullptr;
  EVP_CIPHER_CTX* ctx = nullptr;
};

void FreeInstance(napi_env, void* data, void*) {
  auto* inst = static_cast<Instance*>(data);
  EVP_CIPHER_CTX_free(inst->ctx);
#if OPENSSL_VERSION_MAJOR >= 3
  EVP_CIPHER_free(inst->cipher);  // fetched, so owned; the < 3 static one is not
#endif
  delete inst;
}

napi_value Throw(napi_env env, const char* code, const char* msg) {
  napi_throw_error(env, code, msg);
  return nullptr;
}

bool Bytes(napi_env env, napi_value v, uint8_t** data, size_t* len) {
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return false;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  void* p = nullptr;
  if (napi_get_typedarray_info(env, v, &type, len, &p, &ab, &offset) != napi_ok) return false;
  if (type != napi_uint8_array) return false;
  *data = static_cast<uint8_t*>(p);
  return true;
}

// ecbBlocks(encrypt: boolean, key: Uint8Array(16), src: Uint8Array, dst: Uint8Array): number
napi_value EcbBlocks(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  Instance* inst = nullptr;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 4) {
    return Throw(env, "ERR_INVALID_ARG_COUNT", "ecbBlocks(encrypt, key, src, dst)");
  }
  if (napi_get_instance_data(env, reinterpret_cast<void**>(&inst)) != napi_ok || inst == nullptr) {
    return Throw(env, "ERR_AES_ECB_STATE", "aes-ecb addon is not initialised");
  }
  bool encrypt = false;
  if (napi_get_value_bool(env, argv[0], &encrypt) != napi_ok) {
    return Throw(env, "ERR_INVALID_ARG_TYPE", "encrypt must be a boolean");
  }
  uint8_t *key, *src, *dst;
  size_t key_len, src_len, dst_len;
  if (!Bytes(env, argv[1], &key, &key_len) || !Bytes(env, argv[2], &src, &src_len) ||
      !Bytes(env, argv[3], &dst, &dst_len)) {
    return Throw(env, "ERR_INVALID_ARG_TYPE", "key, src and dst must be Uint8Arrays");
  }
  if (key_len != kKeyBytes) return Throw(env, "ERR_INVALID_ARG_VALUE", "key must be 16 bytes");
  if (src_len % kBlockBytes != 0) {
    return Throw(env, "ERR_INVALID_ARG_VALUE", "src length must be a multiple of 16");
  }
  if (dst_len < src_len) return Throw(env, "ERR_OUT_OF_RANGE", "dst is shorter than src");
  // EVP allows dst == src exactly but not a partial overlap (it would read what it just wrote).
  if (dst != src && dst < src + src_len && src < dst + src_len) {
    return Throw(env, "ERR_INVALID_ARG_VALUE", "src and dst overlap partially");
  }
  if (src_len > static_cast<size_t>(INT32_MAX) - kBlockBytes) {
    return Throw(env, "ERR_OUT_OF_RANGE", "src is too large for one call");
  }
  int out_len = 0;
  bool ok = EVP_CipherInit_ex(inst->ctx, inst->cipher, nullptr, key, nullptr, encrypt ? 1 : 0) == 1 &&
            EVP_CIPHER_CTX_set_padding(inst->ctx, 0) == 1 &&
            (src_len == 0 ||
             EVP_CipherUpdate(inst->ctx, dst, &out_len, src, static_cast<int>(src_len)) == 1) &&
            static_cast<size_t>(out_len) == src_len;
  if (!ok) {
    // The error queue is per thread and shared with Node's own crypto: leave nothing behind.
    ERR_clear_error();
    return Throw(env, "ERR_AES_ECB_FAILED", "OpenSSL AES-128-ECB failed");
  }
  napi_value result;
  napi_create_int32(env, out_len, &result);
  return result;
}

}  // namespace

NAPI_MODULE_INIT() {
  auto* inst = new Instance();
#if OPENSSL_VERSION_MAJOR >= 3
  inst->cipher = EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr);
#else
  inst->cipher = const_cast<EVP_CIPHER*>(EVP_aes_128_ecb());
#endif
  inst->ctx = EVP_CIPHER_CTX_new();
  if (inst->cipher == nullptr || inst->ctx == nullptr) {
    ERR_clear_error();
    FreeInstance(env, inst, nullptr);
    napi_throw_error(env, "ERR_AES_ECB_STATE", "OpenSSL has no AES-128-ECB here");
    return nullptr;
  }
  napi_set_instance_data(env, inst, FreeInstance, nullptr);
  napi_value fn, version;
  napi_create_function(env, "ecbBlocks", NAPI_AUTO_LENGTH, EcbBlocks, nullptr, &fn);
  napi_set_named_property(env, exports, "ecbBlocks", fn);
  napi_create_string_utf8(env, OpenSSL_version(OPENSSL_VERSION), NAPI_AUTO_LENGTH, &version);
  napi_set_named_property(env, exports, "openssl", version);
  return exports;
}
