{
  "targets": [
    {
      "target_name": "aes_ecb",
      "sources": ["aes_ecb.cc"],
      "cflags_cc": ["-O2", "-Wall", "-Wextra"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O2"] }
    }
  ]
}
