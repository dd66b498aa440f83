// The C-layout handshake between the taskhost host and a plugin.
//
// A plugin exports ONE symbol, TASKHOST_PLUGIN_ENTRY_SYMBOL, a function returning a pointer
// to a taskhost_plugin_descriptor. The host reads it before touching any Swift type of the
// plugin, so everything here is plain C. Only ever append fields; struct_size tells the
// host how many fields a plugin's build knew about.
#ifndef TASKHOST_PLUGIN_H
#define TASKHOST_PLUGIN_H

#include <stdint.h>

// Nullability annotations are clang's; plain C compilers (gcc) just ignore them.
#if !defined(__clang__) && !defined(_Nullable)
#define _Nullable
#endif

/// "THPLUGIN" read as a little-endian 64-bit integer.
#define TASKHOST_PLUGIN_MAGIC 0x4E4947554C504854ULL

/// Bumped whenever TaskKit changes in a way that breaks plugins built against an older SDK.
/// 2: TaskTypeSettings gained `prefersProcessIsolation` (its layout changed).
#define TASKHOST_PLUGIN_ABI_VERSION 2

/// The one symbol a plugin exports.
#define TASKHOST_PLUGIN_ENTRY_SYMBOL "taskhost_plugin_v1"

/// The symbol libTaskKit.so exports so the host can tell a shared SDK from a private copy.
#define TASKKIT_SDK_ANCHOR_SYMBOL "taskkit_sdk_anchor"

/// Adds the plugin's task types to `registrar`; returns 0 on success.
typedef int32_t (*taskhost_register_fn)(void *_Nullable context, void *_Nullable registrar);

/// What a plugin tells the host about itself.
typedef struct taskhost_plugin_descriptor {
    uint64_t magic;
    uint32_t abi_version;
    uint32_t struct_size;
    const char *_Nullable sdk_version;
    const char *_Nullable toolchain_id;
    const char *_Nullable plugin_name;
    const char *_Nullable plugin_version;
    void *_Nullable context;
    taskhost_register_fn _Nullable register_types;
} taskhost_plugin_descriptor;

/// The signature of TASKHOST_PLUGIN_ENTRY_SYMBOL.
typedef const taskhost_plugin_descriptor *_Nullable (*taskhost_plugin_entry_fn)(void);

#endif
