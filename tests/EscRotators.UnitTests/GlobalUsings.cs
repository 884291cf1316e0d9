global using EscRotators.LocalRuntime;
global using NUnit.Framework;
