/** The route store: Hipache's Redis format over Lettuce, with atomic Lua scripts for every change. */
package dev.wharf.store;
