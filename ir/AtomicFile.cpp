//===- ir/AtomicFile.cpp - Write output files atomically ------------------===//
//
// Temporary file + rename, via llvm::sys::fs::TempFile (which also removes
// the temporary if the process is killed by a signal mid-write).
//
//===----------------------------------------------------------------------===//
#include "ir/AtomicFile.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace llvm;

namespace tlc {

static Error fileError(StringRef path, const Twine &what, Error cause) {
  std::string msg = toString(std::move(cause));
  return createStringError(inconvertibleErrorCode(), "%s: %s: %s",
                           path.str().c_str(), what.str().c_str(),
                           msg.c_str());
}

Error writeFileAtomically(StringRef path,
                          function_ref<Error(raw_ostream &)> writer) {
  if (path.empty())
    return createStringError(inconvertibleErrorCode(),
                             "empty output file name");
  Expected<sys::fs::TempFile> temp =
      sys::fs::TempFile::create(path + ".tmp-%%%%%%");
  if (!temp)
    return fileError(path, "cannot create temporary file", temp.takeError());

  Error written = Error::success();
  {
    raw_fd_ostream os(temp->FD, /*shouldClose=*/false);
    written = writer(os);
    os.flush();
    if (!written && os.has_error()) {
      written = createStringError(os.error(), "write error: %s",
                                  os.error().message().c_str());
      os.clear_error();
    }
  }
  if (written) {
    consumeError(temp->discard());
    std::string msg = toString(std::move(written));
    return createStringError(inconvertibleErrorCode(), "%s: %s",
                             path.str().c_str(), msg.c_str());
  }
  if (Error e = temp->keep(path)) {
    Error cause = std::move(e);
    // keep() leaves the temporary in place when the rename fails.
    consumeError(temp->discard());
    return fileError(path, "cannot rename temporary file into place",
                     std::move(cause));
  }
  return Error::success();
}

Error writeFileAtomically(StringRef path, ArrayRef<uint8_t> bytes) {
  return writeFileAtomically(path, [&](raw_ostream &os) {
    os.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
    return Error::success();
  });
}

} // namespace tlc
