import '../shared/base.css';
import './compare.css';
import { registerToolkit } from '../shared/toolkit';
import { CompareApp } from './compareApp';

registerToolkit();
new CompareApp(document.getElementById('app')!);
