@echo off
rem `exptrack` in VS Code's terminals (Windows): the extension puts this folder first on their PATH
rem and names the editor's own runtime in EXPTRACK_NODE (docs/cli.md, "In VS Code's terminals").
setlocal
if not defined EXPTRACK_NODE goto node
if not exist "%EXPTRACK_NODE%" goto node
rem The editor's Electron runs as plain Node with this set (as VS Code's own `code` command does).
set ELECTRON_RUN_AS_NODE=1
"%EXPTRACK_NODE%" "%~dp0..\cli.js" %*
exit /b %ERRORLEVEL%
:node
rem The terminal outlived the editor that opened it: a node on PATH.
where node >nul 2>nul
if errorlevel 1 goto none
node "%~dp0..\cli.js" %*
exit /b %ERRORLEVEL%
:none
echo exptrack: nothing to run it with: the editor runtime in EXPTRACK_NODE is gone and node is not on PATH. Open a new terminal in VS Code, or install Node.js 20 or newer. 1>&2
exit /b 127
